# The secrets of oci::messaging: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Messaging = Struct[{
  'aodh_db_password' => String[1],
  'aodh_keystone_password' => String[1],
  'aodh_rabbitmq_password' => String[1],
  'cloudkitty_db_password' => String[1],
  'cloudkitty_keystone_password' => String[1],
  'cloudkitty_rabbitmq_password' => String[1],
  'galera_sst_password' => String[1],
  'gnocchi_db_password' => String[1],
  'gnocchi_keystone_password' => String[1],
  'gnocchi_rabbitmq_password' => String[1],
  'mysql_root_password' => String[1],
}]
