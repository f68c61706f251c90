# One GPU type passed through to instances: a Nova PCI alias.
type Oci::Gpu = Struct[{
  name        => Pattern[/\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z/],
  vendor_id   => Pattern[/\A[0-9a-f]{4}\z/],
  product_id  => Pattern[/\A[0-9a-f]{4}\z/],
  device_type => Enum['type-PCI', 'type-PF', 'type-VF'],
}]
