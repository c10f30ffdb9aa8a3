from django.urls import path

from minzheng.documents import views

app_name = "documents"
urlpatterns = [
    path("applications/<int:pk>/", views.application_documents, name="application_documents"),
    path("applications/<int:pk>/case-file.xlsx", views.case_file_xlsx, name="case_file_xlsx"),
    path("applications/<int:pk>/case-file.pdf", views.case_file_pdf, name="case_file_pdf"),
    path("notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("<int:pk>/preview/", views.document_preview, name="preview"),
    path("<int:pk>/download/", views.document_download, name="download"),
    path("<int:pk>/remove/", views.document_remove, name="remove"),
]
