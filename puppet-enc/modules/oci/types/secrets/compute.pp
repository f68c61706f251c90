# The secrets of oci::compute: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Compute = Struct[{
  'neutron_keystone_password' => String[1],
  'neutron_rabbitmq_password' => String[1],
  'nova_keystone_password' => String[1],
  'nova_rabbitmq_password' => String[1],
  'nova_ssh_private_key' => String[1],
  'nova_ssh_public_key' => String[1],
  'placement_keystone_password' => String[1],
  Optional['ceph_bootstrap_osd_key'] => String[1],
  Optional['ceph_fsid'] => String[1],
  Optional['ceph_libvirt_secret_uuid'] => String[1],
  Optional['ceph_openstack_key'] => String[1],
  Optional['metadata_proxy_shared_secret'] => String[1],
}]
