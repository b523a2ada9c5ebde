// The command lines bg runs in a release as transient units (`sh -c`): the venv, pip, the import
// check of the tools the units run, and manage.py. Pure.

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `-I`: the release (the working directory) is not on the Python path of root's `-m venv`. */
export const venvCreateLine = (python: string, systemSitePackages: boolean, dir: string) =>
  `${q(python)} -I -m venv ${systemSitePackages ? '--system-site-packages ' : ''}${q(dir)}`;

export const pipInstallLine = (pip: string, requirements: string) => `${q(pip)} install --no-input -r ${q(requirements)}`;

/** Whether `python` can import `module` (gunicorn, celery): the units run them on it. */
export const importCheckLine = (python: string, module: string) => `${q(python)} -c ${q(`import ${module}`)}`;

/** `manage.py <args>`: the python and manage path are config values the schema keeps free of quotes; `args` are bg's own words. */
export const manageLine = (python: string, manage: string, args: string) => `'${python}' '${manage}' ${args}`;
