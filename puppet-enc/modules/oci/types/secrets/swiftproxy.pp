# The secrets of oci::swiftproxy: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Swiftproxy = Struct[{
  'swift_hash_path_prefix' => String[1],
  'swift_hash_path_suffix' => String[1],
  'swift_keystone_password' => String[1],
}]
