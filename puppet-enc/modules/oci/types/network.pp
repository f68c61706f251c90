# A network the node has an address in, as its installer configures it.
type Oci::Network = Struct[{
  cidr   => Oci::Cidr,
  role   => String[1],
  iface1 => String[1],
  iface2 => Optional[String[1]],
  mtu    => Optional[Integer[576, 9216]],
  vlan   => Optional[Integer[1, 4094]],
  bridge => Optional[String[1]],
  public => Boolean,
}]
