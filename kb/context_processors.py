from accounts.roles import is_registered_reader


def reader(request):
    """Whether the visitor may read entries reserved to registered operators."""
    return {"is_reader": is_registered_reader(request.user)}
