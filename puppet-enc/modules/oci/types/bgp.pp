# BGP to the host: the host's private ASN, unnumbered peers on its NICs, loopbacks.
type Oci::Bgp = Struct[{
  asn                => Integer[1, 4294967294],
  router_id          => Optional[Oci::Ipv4],
  peer_interfaces    => Array[String[1], 1],
  loopback_addresses => Array[Oci::Ip],
}]
