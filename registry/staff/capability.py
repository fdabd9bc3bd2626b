from datetime import timedelta

from registry.capability import Capability, Job
from registry.staff import tallies
from registry.staff.cli import staff
from registry.staff.controllers import StaffApi, StaffPages

CAPABILITY = Capability(
    name="staff",
    routes=[StaffPages, StaffApi],
    commands=[staff],
    jobs=lambda settings: [Job("staff:failure_tallies", timedelta(minutes=1), tallies.run)],
)
