# The secrets of oci::cephosd: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Cephosd = Struct[{
  'ceph_bootstrap_osd_key' => String[1],
  'ceph_fsid' => String[1],
}]
