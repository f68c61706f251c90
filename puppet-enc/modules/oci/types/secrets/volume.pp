# The secrets of oci::volume: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Volume = Struct[{
  'cinder_db_password' => String[1],
  'cinder_keystone_password' => String[1],
  'cinder_rabbitmq_password' => String[1],
  Optional['ceph_fsid'] => String[1],
  Optional['ceph_libvirt_secret_uuid'] => String[1],
  Optional['ceph_openstack_key'] => String[1],
}]
