#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes an rnews batch of COUNT articles for the group GROUP to stdout (inn.sh, with
# OUTPOST_TEST_INN_BIG=1): threads of ten, each reply's References the chain from the
# thread's root, fixed Message-IDs <big.THREAD.POSITION@outpost.example.test> and dates,
# so the big group is the same on every start. Usage: inn-big-batch.py GROUP COUNT
import datetime
import sys

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def main():
    group, count = sys.argv[1], int(sys.argv[2])
    out = sys.stdout.buffer
    for i in range(count):
        thread, position = divmod(i, 10)
        refs = " ".join("<big.%d.%d@outpost.example.test>" % (thread, k) for k in range(position))
        when = START + datetime.timedelta(seconds=30 * i)
        headers = [
            "Path: fixtures.example.test!not-for-mail",
            "From: Poster %d <poster%d@example.test>" % (i % 97, i % 97),
            "Newsgroups: %s" % group,
            "Subject: %sBig thread %d" % ("Re: " if position else "", thread),
            # RFC 5322 month names, whatever the locale.
            "Date: %d %s %d %02d:%02d:%02d +0000" % (when.day, MONTHS[when.month - 1], when.year,
                                                      when.hour, when.minute, when.second),
            "Message-ID: <big.%d.%d@outpost.example.test>" % (thread, position),
        ]
        if refs:
            headers.append("References: " + refs)
        article = ("\n".join(headers) + "\n\nArticle %d of the big group.\n" % (i + 1)).encode()
        out.write(b"#! rnews %d\n" % len(article))
        out.write(article)


if __name__ == "__main__":
    main()
