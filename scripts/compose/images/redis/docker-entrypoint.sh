#!/bin/sh
# Mirrors the official redis image's entrypoint.
set -e
# first arg is `-f` or `--some-option`, or a .conf file
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ]; then
  if [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec gosu redis "$0" "$@"
  fi
  # The official binary is built with protected-mode off by default; Debian's is not.
  case " $* " in
    *" --protected-mode "*|*".conf "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
um="$(umask)"
if [ "$um" = '0022' ]; then umask 0077; fi
exec "$@"
