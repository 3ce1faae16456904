"""Journal lines: the (account, day) index becomes (account, day, amount), a covering index.

points_at's GROUP BY over an account's lines up to a day (and the running sums, statements,
trial balance) then reads the index alone, not the table. The new index is built before the
old one is dropped, so no moment is left without an index on the account."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('funds', '0007_guarantee_notice_resend'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='journalline',
            index=models.Index(fields=['account', 'day', 'amount'], name='journalline_account_day_amount'),
        ),
        migrations.RemoveIndex(
            model_name='journalline',
            name='funds_journ_account_be1eba_idx',
        ),
    ]
