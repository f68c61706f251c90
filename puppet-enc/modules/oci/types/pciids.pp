# vendor:product PCI IDs as vfio-pci takes them: 10de:1eb8.
type Oci::PciIds = Pattern[/\A[0-9a-f]{4}:[0-9a-f]{4}\z/]
