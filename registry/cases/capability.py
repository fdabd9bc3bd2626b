from registry.capability import Capability
from registry.cases.controllers import ComplaintApi, ComplaintPages

CAPABILITY = Capability(name="cases", routes=[ComplaintPages, ComplaintApi])
