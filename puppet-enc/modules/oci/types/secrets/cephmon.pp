# The secrets of oci::cephmon: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Cephmon = Struct[{
  'ceph_admin_key' => String[1],
  'ceph_bootstrap_osd_key' => String[1],
  'ceph_fsid' => String[1],
  'ceph_mon_key' => String[1],
}]
