"""PXE infrastructure an operator deploys: the TFTP tree and DHCP configurations."""
