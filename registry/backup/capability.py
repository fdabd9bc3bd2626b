from registry.backup.cli import backup, restore
from registry.capability import Capability

CAPABILITY = Capability(name="backup", commands=[backup, restore])
