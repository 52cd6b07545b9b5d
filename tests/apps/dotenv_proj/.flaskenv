FOO=flaskenv
BAR=flaskenv
SPAM=flaskenv
