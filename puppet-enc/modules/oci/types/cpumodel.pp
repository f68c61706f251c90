# libvirt CPU models offered to instances (oci/choices.py).
type Oci::CpuModel = Enum[
  'host-passthrough', 'host-model', 'Haswell-noTSX-IBRS', 'Broadwell-IBRS', 'Skylake-Server-IBRS', 'Cascadelake-Server', 'Icelake-Server', 'SapphireRapids', 'EPYC', 'EPYC-IBPB', 'EPYC-Rome', 'EPYC-Milan', 'EPYC-Genoa',
]
