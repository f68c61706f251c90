# An IPv6 address in any of its textual forms (hex groups, "::", embedded IPv4).
type Oci::Ipv6 = Pattern[/\A(?=.*:)[0-9a-fA-F:.]{2,45}\z/]
