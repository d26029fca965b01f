from django.contrib import admin, messages
from django.utils import timezone

from .models import Delivery
from .tasks import deliver, enqueue


@admin.action(description="Send the selected mails again", permissions=["change"])
def send_again(modeladmin, request, queryset):
    count = 0
    for delivery in queryset.exclude(status=Delivery.Status.SENT):
        delivery.status, delivery.attempts = Delivery.Status.PENDING, 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        enqueue(deliver, delivery.pk)
        count += 1
    modeladmin.message_user(request, f"{count} mail(s) queued again.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The mails the site sent or is trying to send; failed ones can be sent again. Only for
    superusers (mail addresses are personal data)."""

    list_display = ("subject", "kind", "status", "attempts", "next_attempt_at", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("subject",)
    date_hierarchy = "created_at"
    actions = [send_again]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser
