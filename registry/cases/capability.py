from registry.capability import Capability
from registry.cases import decisions
from registry.cases.controllers import ComplaintApi, ComplaintPages

CAPABILITY = Capability(name="cases", routes=[ComplaintPages, ComplaintApi],
                        install=decisions.install)
