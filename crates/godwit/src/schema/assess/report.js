document.querySelectorAll('.cards input').forEach(function (box) {
  box.addEventListener('change', function () {
    document.querySelectorAll('details.rule[data-sev="' + box.dataset.sev + '"]').forEach(function (d) {
      d.style.display = box.checked ? '' : 'none';
    });
  });
});
