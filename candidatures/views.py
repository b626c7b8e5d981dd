from django.http import HttpResponse


def accueil(request):
    return HttpResponse("TODO")


def detail(request, pk):
    return HttpResponse("TODO")


def programmation(request, campagne, region):
    return HttpResponse("TODO")
