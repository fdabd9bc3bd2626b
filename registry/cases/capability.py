from registry.capability import Capability
from registry.cases import decisions
from registry.cases.calendar_controllers import CalendarPages
from registry.cases.cli import cases
from registry.cases.controllers import ComplaintApi, ComplaintPages
from registry.cases.public_controllers import PublishedCaseApi, PublishedCasePages
from registry.cases.staff_controllers import CaseStaffPages, InterestPages

CAPABILITY = Capability(name="cases",
                        routes=[ComplaintPages, ComplaintApi, PublishedCasePages, PublishedCaseApi,
                                CaseStaffPages, InterestPages, CalendarPages],
                        commands=[cases],
                        install=decisions.install)
