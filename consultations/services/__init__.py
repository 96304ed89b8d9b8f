"""Writes for consultations, testimony, attachments, paper-form imports and surveys.

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
from consultations.services.responses import (
    SurveyFull,
    answer_promote,
    survey_export,
    survey_export_rows,
    survey_response_submit,
    survey_summary_publish,
    survey_summary_unpublish,
)
from consultations.services.surveys import (
    SurveyLocked,
    neighborhoods_set,
    question_create,
    question_delete,
    question_move,
    question_update,
    survey_close,
    survey_copy,
    survey_create,
    survey_delete,
    survey_open,
    survey_open_problems,
    survey_update,
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
    "SurveyFull",
    "SurveyLocked",
    "answer_promote",
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
    "neighborhoods_set",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "survey_close",
    "survey_copy",
    "survey_create",
    "survey_delete",
    "survey_export",
    "survey_export_rows",
    "survey_open",
    "survey_open_problems",
    "survey_response_submit",
    "survey_summary_publish",
    "survey_summary_unpublish",
    "survey_update",
    "testimony_create",
    "testimony_export_csv",
    "testimony_redact",
    "testimony_reveal_restricted",
    "testimony_review",
    "testimony_update",
    "testimony_withdraw_consent",
]
