from django import forms


class BareForm(forms.Form):
    name = forms.CharField(max_length=100)
    email = forms.EmailField()
    amount = forms.IntegerField(min_value=0, max_value=1_000_000)
