"""Symptoms as support analysts type them, each with the class of problem it is, over the demo world.

The ground truth is the demo world (readiness/demo/): its three applications, each with the
default classes of problem (readiness/defaults.py), and their runbooks. The phrasings were
written from the analyst's side (tickets, chat messages, the demo's runbooks and drills read
as a user would describe them), not from the rules' example symptoms: paraphrases, typos,
another word order, words the rules never use. They are not tuned to the matcher; when one
misses, the matcher or the default synonyms change, not the phrasing.
"""

from __future__ import annotations

ACCESS = "Access, login and permissions"
HOW_TO = "How-to and expected-but-confusing behaviour"
DEFECT = "Workflow failure or defect"
INTEGRATION = "Integration misfires"
DATA = "Wrong or missing data"
REGRESSION = "Release regression"
POLICY = "Policy, process or priority decision"

PORTAL, PRICING, DISPATCH = "ordering-portal", "pricing-service", "dispatch-board"

# (what is typed, the application picked, the class of problem it is)
PHRASINGS: list[tuple[str, str, str]] = [
    # The ordering portal
    ("invoices not showing up in the ERP", PORTAL, INTEGRATION),
    ("orders not reaching the ERP", PORTAL, INTEGRATION),
    ("invocies not syncing", PORTAL, INTEGRATION),
    ("order has no ERP number after 20 minutes", PORTAL, INTEGRATION),
    ("ERP order sync stuck since this morning", PORTAL, INTEGRATION),
    ("invoice queue is backing up", PORTAL, INTEGRATION),
    ("to the ERP, orders are not being sent", PORTAL, INTEGRATION),
    ("finance says invoices are missing in the ERP", PORTAL, INTEGRATION),
    ("customer cant log into the portal", PORTAL, ACCESS),
    ("user locked out after too many password attempts", PORTAL, ACCESS),
    ("acces denied on the orders page", PORTAL, ACCESS),
    ("locked account, customer can't get in", PORTAL, ACCESS),
    ("user cannot see the admin menu", PORTAL, ACCESS),
    ("customer sees the wrong price on an order", PORTAL, DATA),
    ("price on the portal doesnt match their contract", PORTAL, DATA),
    ("customer record missing for a new trade account", PORTAL, DATA),
    ("order totals dont add up", PORTAL, DATA),
    ("submit button does nothing at checkout", PORTAL, DEFECT),
    ("error when submiting an order", PORTAL, DEFECT),
    ("portal page crashes with a 500", PORTAL, DEFECT),
    ("how do I export my order history", PORTAL, HOW_TO),
    ("where can I find the invoice report", PORTAL, HOW_TO),
    ("search stopped working after yesterdays deployment", PORTAL, REGRESSION),
    ("worked fine before the upgrade", PORTAL, REGRESSION),
    ("who should approve orders over 10k", PORTAL, POLICY),
    ("should customers be allowed to cancel after dispatch", PORTAL, POLICY),
    # The dispatch board
    ("dispatch confirmations aren't getting to the ERP", DISPATCH, INTEGRATION),
    ("shipped orders still awaiting dispatch in the ERP", DISPATCH, INTEGRATION),
    ("ERP confirmation failures piling up", DISPATCH, INTEGRATION),
    ("pick list job failed overnight", DISPATCH, DEFECT),
    ("board freezes when I click ship", DISPATCH, DEFECT),
    ("wrong fulfilment code on the pallet", DISPATCH, DATA),
    ("fulfillment code differs from the ERP", DISPATCH, DATA),
    ("warehouse tablets can't sign in", DISPATCH, ACCESS),
    ("board broke after the 1.2 release", DISPATCH, REGRESSION),
    ("how to mark an order as shipped", DISPATCH, HOW_TO),
    ("who decides which orders ship first", DISPATCH, POLICY),
    # The pricing service
    ("nightly price publication failed", PRICING, DEFECT),
    ("price list job crashed overnight", PRICING, DEFECT),
    ("price doesnt match the customers contract", PRICING, DATA),
    ("promotion still showing after it ended", PRICING, DATA),
    ("can't login to pricing admin", PRICING, ACCESS),
    ("permission error when re-running a publication", PRICING, ACCESS),
    ("sales want to change the discount approval policy", PRICING, POLICY),
    ("where do I see a customer's price list", PRICING, HOW_TO),
    ("prices not being published to the portal", PRICING, INTEGRATION),
    ("since the last deploy prices are rounded wrong", PRICING, REGRESSION),
]

# Searching every application (none picked): the application's name settles which one.
ACROSS: list[tuple[str, str, str]] = [
    ("ordering portal invoices missing in the ERP", PORTAL, INTEGRATION),
    ("dispatch board pick list job failed", DISPATCH, DEFECT),
    ("pricing service shows the wrong price", PRICING, DATA),
]
