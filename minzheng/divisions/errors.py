from minzheng.common.errors import Conflict, NotFound, ValidationFailed


class DivisionImportError(ValidationFailed):
    """A source file or row cannot be imported; the message names the file, line and reason."""

    code = "division_import_invalid"


class DivisionCodeChangeError(Conflict):
    code = "division_code_change_invalid"


class DivisionNotFound(NotFound):
    code = "division_not_found"
