# The secrets of oci::network: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Network = Struct[{
  'metadata_proxy_shared_secret' => String[1],
  'neutron_keystone_password' => String[1],
  'neutron_rabbitmq_password' => String[1],
}]
