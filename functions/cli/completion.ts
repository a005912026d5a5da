import type { Command, Option } from 'commander';

/**
 * Shell completion, generated from the command tree itself (commander has none built in), so a
 * new command or flag is completed without anyone editing a script: subcommands first, then the
 * flags of the subcommand typed, the values of options with fixed choices, and file names after
 * -f / --kubeconfig. zsh loads the same script through bashcompinit, as kubectl's does.
 */

const FILE_OPTIONS = new Set(['--filename', '--kubeconfig', '--webhook-config']);

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const name = program.name();
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const commands = program.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  const cases = commands
    .map((command) => {
      const options = [...command.options, ...program.options];
      const flags = options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))).concat('--help');
      const choices = options
        .filter((o) => Array.isArray(o.argChoices) && o.argChoices.length > 0)
        .map((o) => `${optionNames(o)}) COMPREPLY=($(compgen -W "${(o.argChoices ?? []).join(' ')}" -- "$cur")); return ;;`);
      const files = options.filter((o) => o.long !== undefined && FILE_OPTIONS.has(o.long)).map((o) => `${optionNames(o)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
      const args = command.registeredArguments.flatMap((a) => a.argChoices ?? []);
      return [
        `    ${command.name()})`,
        '      case "$prev" in',
        ...[...choices, ...files].map((line) => `        ${line}`),
        '      esac',
        `      COMPREPLY=($(compgen -W "${[...flags, ...args].join(' ')}" -- "$cur"))`,
        '      ;;',
      ].join('\n');
    })
    .join('\n');
  const script = `# ${shell} completion for ${name}; load with: source <(${name} completion ${shell})
${fn}() {
  local cur prev sub i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  sub=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) sub="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$sub" ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name()).join(' ')} --help" -- "$cur"))
    return
  fi
  case "$sub" in
${cases}
  esac
}
complete -o default -F ${fn} ${name}
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script;
}

function optionNames(option: Option): string {
  return [option.short, option.long].filter(Boolean).join('|');
}
