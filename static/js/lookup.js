// "Who do I call?": suggest application names while typing, and list the classes of problem
// of the application typed. The page works without this: the server matches typed names and
// lists the classes once an application is picked. Same origin only (the CSP allows no more).
(() => {
  const form = document.querySelector("form[data-applications-url]");
  const input = document.getElementById("id_application");
  const suggestions = document.getElementById("lookup-applications");
  const classes = document.getElementById("id_problem_class");
  if (!form || !input || !suggestions || !classes) return;

  const getJson = (url) =>
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((response) =>
      response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`)),
    );

  // The names are fetched once, when the field is first used: most visits come from a link.
  let names = null;
  const loadNames = () => {
    if (names) return;
    names = getJson(form.dataset.applicationsUrl)
      .then((data) => {
        suggestions.replaceChildren(
          ...data.applications.map((application) => {
            const option = document.createElement("option");
            option.value = application.name;
            return option;
          }),
        );
      })
      .catch(() => {
        names = null; // try again on the next focus
      });
  };
  input.addEventListener("focus", loadNames);
  input.addEventListener("input", loadNames);

  let asked = 0;
  const loadClasses = () => {
    const ask = ++asked;
    const url = new URL(form.dataset.classesUrl, window.location.href);
    url.searchParams.set("application", input.value.trim());
    getJson(url)
      .then((data) => {
        if (ask !== asked) return; // an answer to an older question
        const picked = classes.value;
        const empty = data.application ? "—" : "— pick an application to list its classes —";
        classes.replaceChildren(
          new Option(empty, ""),
          ...data.classes.map((name) => new Option(name, name, false, name === picked)),
        );
      })
      .catch(() => {});
  };
  input.addEventListener("change", loadClasses);
})();
