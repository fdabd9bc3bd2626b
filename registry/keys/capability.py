from registry.capability import Capability
from registry.keys.cli import keys

CAPABILITY = Capability(name="keys", commands=[keys])
