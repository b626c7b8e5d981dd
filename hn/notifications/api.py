from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hn.champs import parametre_booleen
from hn.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    lue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "categorie", "titre", "message", "lien", "creee_le", "lue", "lue_le"]


class NotificationList(generics.ListAPIView):
    """The caller's notifications, newest first; ``?non_lues=1`` keeps the unread ones."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = Notification.objects.filter(destinataire=self.request.user)
        if parametre_booleen(self.request, "non_lues"):
            qs = qs.non_lues()
        return qs


class NotificationLue(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, destinataire=request.user)
        if notification.lue_le is None:
            notification.lue_le = timezone.now()
            notification.save(update_fields=["lue_le"])
        return Response(NotificationSerializer(notification).data)
