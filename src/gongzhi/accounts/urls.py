from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.TwoFactorView.as_view(), name="two_factor"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/roles/new/", views.RoleAssignView.as_view(), name="role_assign"),
    path(
        "users/<int:pk>/roles/<int:rid>/revoke/",
        views.RoleRevokeView.as_view(),
        name="role_revoke",
    ),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user_deactivate"),
    path("users/<int:pk>/activate/", views.UserActivateView.as_view(), name="user_activate"),
    path("users/<int:pk>/password/", views.PasswordResetView.as_view(), name="password_reset"),
    path("tokens/", views.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
