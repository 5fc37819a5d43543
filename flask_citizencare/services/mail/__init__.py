"""Mail: the outbox written with each change (notify), its delivery (outbox), who gets it and the
Reply-To each mail carries; the IMAP fetch of replies. Applying a reply to its case is a use case of
its own, :mod:`flask_citizencare.services.replies`.
"""
