-- Two users, both with the password "test" (hashed with few iterations so
-- the tests stay fast), and one post written by the first.
INSERT INTO user (username, password)
VALUES
  ('test', 'pbkdf2:sha256:1000$VfERfvFVfRYJLzK0$3a029eec68ac4fa9592d7eb26eae4c1209243cd1b64fbbef39dc22720a7ea472'),
  ('other', 'pbkdf2:sha256:1000$VfERfvFVfRYJLzK0$3a029eec68ac4fa9592d7eb26eae4c1209243cd1b64fbbef39dc22720a7ea472');

INSERT INTO post (title, body, author_id, created)
VALUES
  ('test title', 'test' || char(10) || 'body', 1, '2024-01-01 00:00:00');
