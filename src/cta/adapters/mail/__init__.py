"""Mail out of the node: the SMTP transport (``smtp``) and the demo's local mail sink (``sink``)."""
