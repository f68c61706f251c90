# The Swift-only cluster a compute cluster stores images and backups into.
type Oci::RemoteSwift = Struct[{
  cluster  => Oci::Name,
  endpoint => Oci::Url,
  region   => Oci::Name,
}]
