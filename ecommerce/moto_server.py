"""moto's server (`python -m moto.server`), with one fix from a later moto applied first.

moto 5.2.1 cannot start a second execution of a state machine once one has run: its
StartExecution deep-copies the state machine together with its executions, which hold
live threads and locks (TypeError, HTTP 500; getmoto/moto#10077). moto 5.2.5 fixes it
(getmoto/moto#10093) by leaving the executions and the backend out of the copy; the
same is done here. Remove this module once requirements.txt pins moto >= 5.2.5.
Emulator only: nothing here runs against real AWS.
"""

import copy
import sys

from moto import server
from moto.stepfunctions.parser import models


class _CopyWithoutExecutions:
    """`copy` as moto's Step Functions parser backend uses it (deepcopy only)."""

    @staticmethod
    def deepcopy(obj, memo=None):
        memo = {} if memo is None else memo
        if hasattr(obj, "executions") and hasattr(obj, "backend"):
            memo.setdefault(id(obj.executions), [])
            memo.setdefault(id(obj.backend), obj.backend)
        return copy.deepcopy(obj, memo)


models.copy = _CopyWithoutExecutions

if __name__ == "__main__":
    sys.exit(server.main())
