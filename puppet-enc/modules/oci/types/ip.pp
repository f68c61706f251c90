# An IPv4 or IPv6 address.
type Oci::Ip = Variant[Oci::Ipv4, Oci::Ipv6]
