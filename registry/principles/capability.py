from registry.capability import Capability
from registry.principles.cli import principles_group
from registry.principles.controllers import PrinciplesApi, PrinciplesPages

CAPABILITY = Capability(
    name="principles",
    routes=[PrinciplesPages, PrinciplesApi],
    commands=[principles_group],
)
