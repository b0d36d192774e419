# shellcheck shell=bash
# Finds a JDK 21+ (JAVA_HOME, then the usual JVM folders). Source it; used by infra/local and .ci/run.
# Needs sf_die from the caller, or defines a minimal one.
declare -F sf_die >/dev/null || sf_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Feature version (8, 17, 21, ...) of the JDK at $1, or fails.
sf_java_major() {
  local home=$1 v=""
  [[ -x $home/bin/java ]] || return 1
  # The release file is much faster to read than starting a JVM.
  [[ -f $home/release ]] && v=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$home/release")
  [[ -n $v ]] || v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
  v=${v#1.}          # 1.8.0_392 -> 8.0_392
  v=${v%%[!0-9]*}    # 21.0.2+13 -> 21
  [[ -n $v ]] && echo "$v"
}

# Sets JAVA_HOME (exported, for ./mvnw) and JAVA to a JDK 21+.
sf_find_jdk() {
  local best="" best_v=0 home v
  if [[ -n ${JAVA_HOME:-} ]] && v=$(sf_java_major "$JAVA_HOME") && ((v >= 21)); then
    best=$JAVA_HOME
  else
    # JAVA_HOME unset or too old: take the newest full JDK (has javac) we can find.
    for home in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
      [[ -x $home/bin/javac ]] || continue
      v=$(sf_java_major "$home") || continue
      if ((v >= 21 && v > best_v)); then best=$home best_v=$v; fi
    done
  fi
  [[ -n $best ]] || sf_die "segflow needs a JDK 21 or newer; set JAVA_HOME"
  export JAVA_HOME=$best
  JAVA=$JAVA_HOME/bin/java
}

