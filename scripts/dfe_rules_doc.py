"""Write the list of the DfE's rules the warehouse evaluates into docs/drop-contract.md.

    .venv/bin/python scripts/dfe_rules_doc.py

The list sits between two markers in the drop contract and is rewritten whole from
`src/csc/dfe`; a test checks the document matches the rules.
"""

from __future__ import annotations

from pathlib import Path

from csc import dfe

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "drop-contract.md"


def main() -> None:
    text = CONTRACT.read_text()
    start, end = text.index(dfe.DOC_BEGIN), text.index(dfe.DOC_END) + len(dfe.DOC_END)
    CONTRACT.write_text(text[:start] + dfe.markdown() + text[end:])
    print(f"wrote {CONTRACT}")


if __name__ == "__main__":
    main()
