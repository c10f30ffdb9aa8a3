from minzheng.common.errors import Conflict, ValidationFailed


class PersonAlreadyInHousehold(Conflict):
    code = "person_in_other_household"


class DuplicateIdNumber(Conflict):
    code = "duplicate_id_number"


class InvalidDivision(ValidationFailed):
    code = "invalid_division"
