# Where the installer put the node's TLS material.
type Oci::Tls = Struct[{
  certificate => Oci::Path,
  private_key => Oci::Path,
  ca_chain    => Oci::Path,
}]
