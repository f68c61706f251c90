# The secrets of oci::dns: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Dns = Struct[{
  'designate_db_password' => String[1],
  'designate_keystone_password' => String[1],
  'designate_rabbitmq_password' => String[1],
}]
