"""SSDA903: wording shared by the modules of the DfE's rules 400 and over."""

OPEN_EPISODES_END = (
    "The DfE's tool runs its rules one after another on the same tables, and its rule 365 "
    "fills in every blank date episode ceased with 31 March before this rule runs, so this "
    "rule sees episodes still open as ceased on 31 March; the warehouse reads the return as "
    "sent, with open episodes open."
)
