from registry.capability import Capability
from registry.staff.cli import staff
from registry.staff.controllers import StaffApi, StaffPages

CAPABILITY = Capability(
    name="staff",
    routes=[StaffPages, StaffApi],
    commands=[staff],
)
