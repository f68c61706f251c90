# The secrets of oci::debmirror: required ones always come, Optional ones
# only in the topologies that use them (oci/enc/secrets.py).
type Oci::Secrets::Debmirror = Struct[{}]
