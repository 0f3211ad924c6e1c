// The admin's person pickers (select2, drawn by autocomplete.js) named after their field.
//
// select2 names its combobox after the chosen value only, so an empty picker has no
// name, and the search box of a multiple picker has none at all; its list of chosen
// items also holds a "clear" button that is not a list item, and a single picker shows
// its choice in a read-only "textbox" with no name. This runs after
// autocomplete.js has drawn the pickers (on load, and for each inline row added), and
// gives each one the name of its <label>, or of the hidden select it stands for.
'use strict';
{
    function fieldName(select) {
        const label = select.id ? document.querySelector(`label[for="${CSS.escape(select.id)}"]`) : null;
        if (label) {
            if (!label.id) {
                label.id = `${select.id}-label`;
            }
            return {label};
        }
        return {text: select.getAttribute('aria-label') || select.name};
    }

    function nameOne(select) {
        const container = select.nextElementSibling;
        if (!container || !container.classList.contains('select2')) {
            return;
        }
        const {label, text} = fieldName(select);
        const combobox = container.querySelector('.select2-selection');
        const rendered = container.querySelector('.select2-selection__rendered');
        if (combobox) {
            if (label) {
                const value = rendered && rendered.id ? ` ${rendered.id}` : '';
                combobox.setAttribute('aria-labelledby', label.id + value);
            } else {
                combobox.removeAttribute('aria-labelledby');
                combobox.setAttribute('aria-label', text);
            }
        }
        if (rendered && rendered.tagName === 'UL') {
            rendered.setAttribute('role', 'list');
        } else if (rendered) {
            // A read-only "textbox" showing the choice: named after the field too.
            if (label) {
                rendered.setAttribute('aria-labelledby', label.id);
            } else {
                rendered.setAttribute('aria-label', text);
            }
        }
        const search = container.querySelector('.select2-search__field');
        if (search) {
            search.setAttribute('aria-label', label ? label.textContent.trim() : text);
        }
    }

    function nameAll(root) {
        root.querySelectorAll('select.admin-autocomplete').forEach(nameOne);
    }

    // jQuery's ready handlers run in order, ours after autocomplete.js's (this file comes
    // after it), and asynchronously: possibly after the window's load event.
    django.jQuery(() => nameAll(document));
    document.addEventListener('formset:added', (event) => nameAll(event.target));
    // A multiple picker draws its search box again after each choice.
    document.addEventListener('change', (event) => {
        if (event.target.matches && event.target.matches('select.admin-autocomplete')) {
            nameOne(event.target);
        }
    });
}
