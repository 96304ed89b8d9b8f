"""Forms for consultations and testimony (`evidence`), the survey builder (`surveys`) and
the resident's survey form (`public_survey`): validation and layout only, services write."""

from consultations.forms.evidence import (
    DATETIME_INPUT_FORMATS,
    AttachmentForm,
    ConsultationForm,
    ImportUploadForm,
    RedactionForm,
    TestimonyFilterForm,
    TestimonyForm,
    ThemeChoiceField,
    WithdrawConsentForm,
)

__all__ = [
    "DATETIME_INPUT_FORMATS",
    "AttachmentForm",
    "ConsultationForm",
    "ImportUploadForm",
    "RedactionForm",
    "TestimonyFilterForm",
    "TestimonyForm",
    "ThemeChoiceField",
    "WithdrawConsentForm",
]
