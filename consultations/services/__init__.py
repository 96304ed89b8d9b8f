"""Writes for consultations, testimony, attachments and paper-form imports.

Every function is keyword-only and atomic. Views have already checked the actor's
capability in the city (`cities.permissions`); services enforce the domain rules and
write the audit trail. Nothing here logs or audits testimony text or speaker details.
"""

from consultations.services.attachments import (
    AttachmentRejected,
    attachment_add,
    attachment_delete,
    attachment_open,
)
from consultations.services.events import (
    CONSULTATION_EDITABLE,
    consultation_create,
    consultation_update,
)
from consultations.services.imports import (
    DuplicateImport,
    ImportCheck,
    import_check,
    import_confirm,
    import_discard,
    import_run,
    imports_requeue_stale,
)
from consultations.services.testimony import (
    TESTIMONY_EDITABLE,
    TESTIMONY_RESTRICTED,
    testimony_create,
    testimony_export_csv,
    testimony_redact,
    testimony_reveal_restricted,
    testimony_review,
    testimony_update,
    testimony_withdraw_consent,
)

__all__ = [
    "CONSULTATION_EDITABLE",
    "TESTIMONY_EDITABLE",
    "TESTIMONY_RESTRICTED",
    "AttachmentRejected",
    "DuplicateImport",
    "ImportCheck",
    "attachment_add",
    "attachment_delete",
    "attachment_open",
    "consultation_create",
    "consultation_update",
    "import_check",
    "import_confirm",
    "import_discard",
    "import_run",
    "imports_requeue_stale",
    "testimony_create",
    "testimony_export_csv",
    "testimony_redact",
    "testimony_reveal_restricted",
    "testimony_review",
    "testimony_update",
    "testimony_withdraw_consent",
]
